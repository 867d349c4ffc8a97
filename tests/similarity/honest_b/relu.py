class ReLU(Layer):
    def __init__(self):
        """Слой ReLU поэлементно применяет функцию max(x, 0) ко входу"""
        pass

    def forward(self, input):
        """Применяет ReLU поэлементно к матрице [batch, input_units]"""
        output = np.clip(input, 0, None)
        return output

    def backward(self, input, grad_output):
        """Градиент функции потерь по входу ReLU"""
        relu_grad_mask = input > 0
        return grad_output * relu_grad_mask
