def train(network, X, y):
    layer_activations = forward(network, X)
    logits = layer_activations[-1]
    layer_inputs = [X] + layer_activations

    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)
    loss = softmax_crossentropy_with_logits(logits, y)

    for i in range(len(network) - 1, -1, -1):
        loss_grad = network[i].backward(layer_inputs[i], loss_grad)
    return np.mean(loss)
