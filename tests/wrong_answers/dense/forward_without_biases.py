# fails: dense_forward — the biases are never added
class Dense(Dense):
    def forward(self, input):
        return input @ self.weights
