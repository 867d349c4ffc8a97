# fails: train — a second forward and backward pass: every layer steps twice per batch
_one_step = train

def train(network, X, y):
    _one_step(network, X, y)
    return _one_step(network, X, y)
