# fails: dense_init — all-zero weights: every hidden unit would learn the same thing
class Dense(Dense):
    def __init__(self, input_units, output_units, learning_rate=0.1):
        super().__init__(input_units, output_units, learning_rate)
        self.weights = np.zeros((input_units, output_units))
