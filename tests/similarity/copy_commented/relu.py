class ReLU(Layer):
    def __init__(self):
        """Слой ReLU поэлементно применяет функцию max(x, 0) ко входу"""
        # параметров у ReLU нет
        pass

    def forward(self, input):
        """Применяет ReLU поэлементно к матрице [batch, input_units]"""
        # где вход положительный, оставляем его, иначе ноль

        output = np.where(input > 0, input, 0.0)  # поэлементно

        return output

    def backward(self, input, grad_output):
        """Градиент функции потерь по входу ReLU"""
        # производная ReLU: 1 при x > 0, иначе 0
        relu_grad_mask = input > 0

        return grad_output * relu_grad_mask  # правило цепочки
