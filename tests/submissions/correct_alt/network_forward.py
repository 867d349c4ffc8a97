def forward(network, X):
    activations = []
    input = X

    for layer in network:
        activations.append(layer.forward(activations[-1] if activations else input))

    assert len(activations) == len(network)
    return activations

def predict(network, X):
    logits = forward(network, X)[-1]
    return logits.argmax(axis=-1)
