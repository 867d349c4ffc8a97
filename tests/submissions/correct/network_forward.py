def forward(network, X):
    """
    Вычисляет выходы (активации) всех слоёв сети, применяя слои по очереди.
    """
    activations = []
    input = X

    for i in range(len(network)):
        activations.append(network[i].forward(input))
        input = activations[-1]

    assert len(activations) == len(network)
    return activations

def predict(network, X):
    """
    Предсказывает для каждого объекта самый вероятный класс.
    """
    logits = forward(network, X)[-1]
    return logits.argmax(axis=-1)
