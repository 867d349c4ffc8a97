def forward(net, inputs):
    """
    Вычисляет выходы (активации) всех слоёв сети, применяя слои по очереди.
    """
    outs = []
    cur = inputs

    for j in range(len(net)):
        outs.append(net[j].forward(cur))
        cur = outs[-1]

    assert len(outs) == len(net)
    return outs

def predict(net, inputs):
    """
    Предсказывает для каждого объекта самый вероятный класс.
    """
    scores = forward(net, inputs)[-1]
    return scores.argmax(axis=-1)
