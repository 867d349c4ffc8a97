# fails: train — returns the batch's total loss instead of its mean
_returns_mean = train

def train(network, X, y):
    return _returns_mean(network, X, y) * len(X)
