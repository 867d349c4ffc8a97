class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1):
        """
        Полносвязный слой выполняет обучаемое аффинное преобразование:
        f(x) = <x*W> + b
        """
        self.learning_rate = learning_rate
        self.biases = np.zeros(output_units)
        self.weights = np.random.randn(input_units, output_units) * 0.01

    def backward(self, input, grad_output):
        grad_biases = np.sum(grad_output, axis=0)
        grad_weights = np.dot(input.T, grad_output)
        grad_input = np.dot(grad_output, self.weights.T)
        assert grad_weights.shape == self.weights.shape and grad_biases.shape == self.biases.shape
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input

    def forward(self, input):
        return np.dot(input, self.weights) + self.biases
