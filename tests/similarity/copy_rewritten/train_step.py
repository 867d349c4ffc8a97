def train(network, X, y):
    outputs = forward(network, X)
    loss = softmax_crossentropy_with_logits(outputs[-1], y)
    grad = grad_softmax_crossentropy_with_logits(outputs[-1], y)
    k = len(network) - 1
    while k >= 0:
        grad = network[k].backward(outputs[k - 1] if k > 0 else X, grad)
        k -= 1
    return loss.mean()
