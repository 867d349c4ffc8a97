class ReLU(Layer):
    def __init__(self):
        pass

    def forward(self, input):
        return np.maximum(input, 0)

    def backward(self, input, grad_output):
        # ошибка: grad_output изменяется на месте
        grad_output[input <= 0] = 0
        return grad_output
