import os
import time

# атака 1: процесс, переживающий ядро (ищется по командной строке "sleep 3654.321987")
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "3654.321987"])
    os._exit(0)
os.wait()
print("ATTACK sleep: daemon started")


class ReLU(Layer):
    # атака 2: тест зависает навсегда (один раз, чтобы не ждать в каждом тесте)
    slept = False

    def forward(self, input):
        if not ReLU.slept:
            ReLU.slept = True
            time.sleep(10 ** 9)
        raise NotImplementedError()

    def backward(self, input, grad_output):
        relu_grad_mask = input > 0
        return grad_output * relu_grad_mask
