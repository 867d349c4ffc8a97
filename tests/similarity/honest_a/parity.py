from sklearn.linear_model import LogisticRegression
lr = LogisticRegression(solver="lbfgs")
# parity_acc_original = <ваш код>
# parity_acc_learnt = <ваш код>
lr.fit(X_train, new_y_train)
parity_acc_original = lr.score(X_test, new_y_test)
lr2 = LogisticRegression(solver="lbfgs", max_iter=500)
lr2.fit(train_hidden_representations, new_y_train)
parity_acc_learnt = lr2.score(test_hidden_representations, new_y_test)
print(f"Исходные представления: {parity_acc_original:.4f}")
print(f"Выученные представления: {parity_acc_learnt:.4f}")
