def forward(network, X):
    activations = []
    input = X

    for layer in network:
        # ошибка: в список попадает вход слоя, а не его выход
        activations.append(input)
        input = layer.forward(input)

    assert len(activations) == len(network)
    return activations

def predict(network, X):
    logits = forward(network, X)[-1]
    return logits.argmax(axis=-1)
