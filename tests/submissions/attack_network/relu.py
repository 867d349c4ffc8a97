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

# атака: связаться с внешним миром и с сервисами самой машины (порт 48213 на 127.0.0.1 и внешние адреса)
import socket

print("ATTACK network: interfaces", sorted(_name for _, _name in socket.if_nameindex()))
for _host, _port in [("127.0.0.1", 48213), ("1.1.1.1", 53), ("8.8.8.8", 53), ("pypi.org", 443)]:
    try:
        socket.create_connection((_host, _port), timeout=3).close()
        print("ATTACK network: CONNECTED", _host, _port)
    except OSError as _error:
        print("ATTACK network: failed", _host, _port, type(_error).__name__)
