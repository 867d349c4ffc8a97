# fails: dense_forward — computed in float16, so the output loses precision
class Dense(Dense):
    def forward(self, input):
        return (input.astype(np.float16) @ self.weights.astype(np.float16) + self.biases).astype(np.float64)
