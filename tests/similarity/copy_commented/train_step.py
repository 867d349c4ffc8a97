def train(network, X, y):
    # прямой проход, запоминаем все активации
    layer_activations = forward(network, X)

    # входы слоёв: X для первого, активации для остальных
    layer_inputs = [X] + layer_activations
    logits = layer_activations[-1]  # выход сети

    # считаем потерю
    loss = softmax_crossentropy_with_logits(logits, y)
    # и её градиент по логитам
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)

    # backprop: слои в обратном порядке
    for i in range(len(network) - 1, -1, -1):
        # каждый слой возвращает градиент по своему входу (и обновляет веса)
        loss_grad = network[i].backward(layer_inputs[i], loss_grad)

    # средняя потеря по батчу
    return np.mean(loss)
