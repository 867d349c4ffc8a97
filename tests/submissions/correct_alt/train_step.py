def train(network, X, y):
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations
    logits = layer_activations[-1]

    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)

    for layer, layer_input in zip(reversed(network), reversed(layer_inputs[:-1])):
        loss_grad = layer.backward(layer_input, loss_grad)

    return np.mean(loss)
