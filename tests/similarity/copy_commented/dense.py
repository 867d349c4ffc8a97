class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1):
        """
        Полносвязный слой выполняет обучаемое аффинное преобразование:
        f(x) = <x*W> + b
        """
        # скорость обучения для шага SGD
        self.learning_rate = learning_rate

        # инициализация: веса случайные и маленькие, смещения нулевые
        self.weights = np.random.randn(input_units, output_units) * 0.01
        self.biases = np.zeros(output_units)

    def forward(self, input):
        # X [batch, in] @ W [in, out] + b [out] -> [batch, out]

        return np.dot(input, self.weights) + self.biases

    def backward(self, input, grad_output):
        # 1) dL/dx = dL/dy * W^T (старые веса!)
        grad_input = np.dot(grad_output, self.weights.T)

        # 2) dL/dW = x^T * dL/dy
        grad_weights = np.dot(input.T, grad_output)
        # 3) dL/db = сумма dL/dy по батчу
        grad_biases = np.sum(grad_output, axis=0)

        # проверка размерностей
        assert grad_weights.shape == self.weights.shape and grad_biases.shape == self.biases.shape

        # обновление параметров
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases

        # градиент уходит в предыдущий слой
        return grad_input
