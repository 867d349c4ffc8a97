def train(network, X, y):
    """
    Обучает сеть на одном батче X, y.
    Сначала выполните forward, чтобы получить активации всех слоёв,
    затем вызывайте layer.backward от последнего слоя к первому.

    После того как backward вызван для всех слоёв, каждый слой Dense уже сделал один шаг градиентного спуска.
    """

    # активации слоёв
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations  # layer_inputs[i] — вход слоя network[i]
    logits = layer_activations[-1]

    # функция потерь и начальный градиент
    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)

    # обратный проход через слои с помощью .backward
    # подсказка: начните с последнего слоя и двигайтесь к первому
    for idx in reversed(range(len(network))):
        loss_grad = network[idx].backward(layer_inputs[idx], loss_grad)

    return np.mean(loss)
