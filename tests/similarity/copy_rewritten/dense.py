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

    def forward(self, inp):
        # каждая строка входа умножается на матрицу весов, смещение прибавляется ко всем строкам
        return np.dot(inp, self.weights) + self.biases

    def backward(self, inp, grad_out):
        # градиент по входу считаем до обновления весов
        grad_input = np.dot(grad_out, self.weights.T)

        # градиенты по параметрам: суммы по объектам батча
        grad_weights = np.dot(inp.T, grad_out)
        grad_biases = np.sum(grad_out, axis=0)

        assert grad_weights.shape == self.weights.shape and grad_biases.shape == self.biases.shape
        # шаг стохастического градиентного спуска
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases

        return grad_input
