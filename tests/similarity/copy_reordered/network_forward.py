def predict(network, X):
    logits = forward(network, X)[-1]
    return logits.argmax(axis=-1)


def forward(network, X):
    input = X
    activations = []
    for i in range(len(network)):
        activations.append(network[i].forward(input))
        input = activations[-1]
    assert len(activations) == len(network)
    return activations
