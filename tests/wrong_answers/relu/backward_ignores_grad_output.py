# fails: relu — backward returns the mask, forgetting the upstream gradient
class ReLU(ReLU):
    def backward(self, input, grad_output):
        return (input > 0).astype(float)
