class ReLU(Layer):
    def __init__(self):
        """ReLU: max(x, 0) поэлементно"""
        pass

    def forward(self, input):
        output = input * (input > 0)
        return output

    def backward(self, input, grad_output):
        relu_grad_mask = input > 0
        return grad_output * relu_grad_mask
