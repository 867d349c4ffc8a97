# fails: dense_grad_params — the biases never move
class Dense(Dense):
    def backward(self, input, grad_output):
        biases = self.biases.copy()
        grad_input = super().backward(input, grad_output)
        self.biases = biases
        return grad_input
