def forward(network, data):
    """
    Вычисляет выходы (активации) всех слоёв сети, применяя слои по очереди.
    """
    activations = []
    x = data

    for i in range(len(network)):
        activations.append(network[i].forward(x))
        x = activations[-1]

    assert len(activations) == len(network)
    return activations

def predict(network, data):
    """
    Предсказывает для каждого объекта самый вероятный класс.
    """
    logits = forward(network, data)[-1]
    return logits.argmax(axis=-1)
