# fails: relu — the negative entries are mirrored instead of zeroed
class ReLU(ReLU):
    def forward(self, input):
        return np.abs(input)
