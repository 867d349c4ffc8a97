# fails: dense_forward — computed as W^T X^T: the output is [output_units, batch], transposed
class Dense(Dense):
    def forward(self, input):
        return self.weights.T @ input.T + self.biases[:, None]
