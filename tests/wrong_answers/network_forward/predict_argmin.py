# fails: forward — predict takes the least likely class
def predict(network, X):
    return forward(network, X)[-1].argmin(axis=-1)
