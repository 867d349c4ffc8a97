# A wrong loss that the visible test cannot see: loss and gradient are both doubled,
# so they still agree with each other under the numerical gradient check.
def softmax_crossentropy_with_logits(logits, reference_answers):
    logits_for_answers = logits[np.arange(len(logits)), reference_answers]
    return 2 * (- logits_for_answers + np.log(np.sum(np.exp(logits), axis=-1)))

def grad_softmax_crossentropy_with_logits(logits, reference_answers):
    ones_for_answers = np.zeros_like(logits)
    ones_for_answers[np.arange(len(logits)), reference_answers] = 1
    softmax = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return 2 * (- ones_for_answers + softmax) / logits.shape[0]
