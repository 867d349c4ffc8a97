class ReLU(Layer):
    def __init__(self):
        pass

    def forward(self, input):
        # ошибка: вход изменяется на месте
        input[input < 0] = 0
        return input

    def backward(self, input, grad_output):
        relu_grad_mask = input > 0
        return grad_output * relu_grad_mask
