# fails: dense_grad_input — grad_output is scaled in place by the learning rate afterwards
class Dense(Dense):
    def backward(self, input, grad_output):
        grad_input = super().backward(input, grad_output)
        grad_output *= self.learning_rate
        return grad_input
