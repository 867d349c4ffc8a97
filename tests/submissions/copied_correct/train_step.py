def train(net, batch_x, batch_y):
    # активации слоёв
    acts = forward(net, batch_x)
    ins = [batch_x] + acts  # ins[i] — вход слоя net[i]
    scores = acts[-1]

    # функция потерь и начальный градиент
    losses = softmax_crossentropy_with_logits(scores, batch_y)
    g = grad_softmax_crossentropy_with_logits(scores, batch_y)

    # обратный проход: от последнего слоя к первому
    for j in range(len(net) - 1, -1, -1):
        g = net[j].backward(ins[j], g)

    return np.mean(losses)
