class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1):
        """
        Полносвязный слой выполняет обучаемое аффинное преобразование:
        f(x) = <x*W> + b
        """
        self.learning_rate = learning_rate

        # веса — небольшие случайные числа из нормального распределения
        self.weights = np.random.randn(input_units, output_units) * 0.01
        self.biases = np.zeros(output_units)

    def forward(self, input):
        """
        Аффинное преобразование:
        f(x) = <x*W> + b

        форма входа: [batch, input_units]
        форма выхода: [batch, output_units]
        """
        return np.matmul(input, self.weights) + self.biases.reshape(1, -1)

    def backward(self, input, grad_output):
        # d f / d x = d f / d dense * d dense / d x,
        # где d dense / d x — транспонированная матрица весов
        # grad_input = <ваш код>

        # градиенты по весам и смещениям
        # grad_weights = <ваш код>
        # grad_biases = <ваш код>
        grad_biases = grad_output.sum(0)
        grad_weights = np.matmul(np.transpose(input), grad_output)
        grad_input = np.matmul(grad_output, np.transpose(self.weights))

        assert grad_weights.shape == self.weights.shape and grad_biases.shape == self.biases.shape
        # шаг стохастического градиентного спуска
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases

        return grad_input
