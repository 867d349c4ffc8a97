def train(network, X, y):
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations  # layer_inputs[i] — вход слоя network[i]
    logits = layer_activations[-1]

    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)

    # ошибка: цикл не доходит до первого слоя (индекс 0)
    for i in range(len(network) - 1, 0, -1):
        loss_grad = network[i].backward(layer_inputs[i], loss_grad)

    return np.mean(loss)
