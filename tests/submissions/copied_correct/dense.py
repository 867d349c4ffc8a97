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

    def forward(self, x):
        # каждая строка входа умножается на матрицу весов, смещение прибавляется ко всем строкам
        return np.dot(x, self.weights) + self.biases

    def backward(self, x, upstream):
        # градиент по входу считаем до обновления весов
        dx = np.dot(upstream, self.weights.T)

        # градиенты по параметрам: суммы по объектам батча
        dw = np.dot(x.T, upstream)
        db = np.sum(upstream, axis=0)

        assert dw.shape == self.weights.shape and db.shape == self.biases.shape
        # шаг стохастического градиентного спуска
        self.weights = self.weights - self.learning_rate * dw
        self.biases = self.biases - self.learning_rate * db

        return dx
