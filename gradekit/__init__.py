"""The numpy-nn course kit.

Subpackages follow the nbgrader flow: source -> release -> submitted ->
autograded -> feedback / grades.
"""
ASSIGNMENT = "numpy_nn"
COURSE_ID = "numpy-nn"

# The grade_ids are a contract: grade exports, feedback and tooling key on them.
AUTOGRADED_ANSWERS = ("relu", "dense", "network_forward", "train_step", "tsne", "parity")
TESTS = (
    "test_relu", "test_dense_init", "test_dense_forward", "test_dense_grad_input",
    "test_dense_grad_params", "test_loss", "test_forward", "test_train", "test_accuracy",
    "test_tsne", "test_parity",
)
MANUAL_ANSWERS = ("tsne_conclusion", "parity_conclusion", "control_q1", "control_q2", "control_q3")
