def forward(network, X):
    """
    Прямой проход: выход каждого слоя подаётся на вход следующему.
    """
    # сюда складываем выходы слоёв
    activations = []
    input = X

    # идём по слоям по порядку
    for i in range(len(network)):

        activations.append(network[i].forward(input))  # выход i-го слоя

        input = activations[-1]  # он же вход следующего

    assert len(activations) == len(network)
    return activations

def predict(network, X):
    """
    Номер класса с максимальным логитом.
    """
    # логиты — выход последнего слоя
    logits = forward(network, X)[-1]
    return logits.argmax(axis=-1)
