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

# атака: записать файлы по 3 ГБ в папку проверки и во временную папку
import os

_block = b"x" * 2 ** 24
for _path in ["big_file.bin", "/tmp/big_file.bin"]:
    _written = 0
    try:
        with open(_path, "wb") as _file:
            while _written < 3 * 2 ** 30:
                _written += _file.write(_block)
    except OSError as _error:
        print("ATTACK big file: write failed:", _path, _error)
    print(f"ATTACK big file: wrote {_written // 2 ** 20} MiB to {_path}")
    os.remove(_path)
