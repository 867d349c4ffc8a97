def forward(network, X):
    """
    Вычисляет выходы (активации) всех слоёв сети, применяя слои по очереди.
    Возвращает список активаций, по одной на каждый слой.
    Последняя активация — логиты сети.
    """
    activations = []
    input = X

    for k in range(len(network)):
        prev = activations[k - 1] if k > 0 else X
        activations.append(network[k].forward(prev))

    assert len(activations) == len(network)
    return activations

def predict(network, X):
    """
    Предсказывает для каждого объекта самый вероятный класс.
    """
    logits = forward(network, X)[-1]
    return logits.argmax(axis=-1)
