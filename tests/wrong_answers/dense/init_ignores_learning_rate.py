# fails: dense_init — the learning rate passed in is dropped for the default
class Dense(Dense):
    def __init__(self, input_units, output_units, learning_rate=0.1):
        super().__init__(input_units, output_units)
