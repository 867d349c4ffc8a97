# fails: dense_grad_params — the step goes up the gradient
class Dense(Dense):
    def backward(self, input, grad_output):
        return -super().backward(input, -grad_output)
