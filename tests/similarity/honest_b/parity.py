from sklearn.linear_model import LogisticRegression
lr = LogisticRegression(solver="lbfgs")
# parity_acc_original = <ваш код>
# parity_acc_learnt = <ваш код>
def parity_accuracy(train_x, test_x):
    model = LogisticRegression(solver="lbfgs", max_iter=300).fit(train_x, new_y_train)
    return (model.predict(test_x) == new_y_test).mean()

parity_acc_original = parity_accuracy(X_train, X_test)
parity_acc_learnt = parity_accuracy(train_hidden_representations, test_hidden_representations)
print(f"Исходные представления: {parity_acc_original:.4f}")
print(f"Выученные представления: {parity_acc_learnt:.4f}")
