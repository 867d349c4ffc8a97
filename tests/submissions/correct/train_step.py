def train(network, X, y):
    # активации слоёв
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations  # layer_inputs[i] — вход слоя network[i]
    logits = layer_activations[-1]

    # функция потерь и начальный градиент
    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)

    # обратный проход: от последнего слоя к первому
    for i in range(len(network) - 1, -1, -1):
        loss_grad = network[i].backward(layer_inputs[i], loss_grad)

    return np.mean(loss)
