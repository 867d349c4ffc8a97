class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1):
        self.learning_rate = learning_rate
        self.weights = np.random.randn(input_units, output_units) * 0.01
        self.biases = np.zeros(output_units)

    def forward(self, input):
        return np.einsum("bi,io->bo", input, self.weights, optimize=True) + self.biases[np.newaxis, :]

    def backward(self, input, grad_output):
        old_weights = self.weights.copy()
        grad_weights = np.einsum("bi,bo->io", input, grad_output, optimize=True)
        grad_biases = np.einsum("bo->o", grad_output)

        assert grad_weights.shape == self.weights.shape and grad_biases.shape == self.biases.shape
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases

        grad_input = np.matmul(grad_output, old_weights.T)
        return grad_input
