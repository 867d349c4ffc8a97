# fails: forward — only the network's output is returned, not every layer's activation
_every_activation = forward

def forward(network, X):
    return _every_activation(network, X)[-1:]
