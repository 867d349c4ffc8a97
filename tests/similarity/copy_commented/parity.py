from sklearn.linear_model import LogisticRegression
lr = LogisticRegression(solver="lbfgs")

# 1. логистическая регрессия на исходных пикселях
lr.fit(X_train, new_y_train)
parity_acc_original = np.mean(lr.predict(X_test) == new_y_test)

# 2. то же на представлениях скрытого слоя
lr.fit(train_hidden_representations, new_y_train)
parity_acc_learnt = np.mean(lr.predict(test_hidden_representations) == new_y_test)
print(parity_acc_original, parity_acc_learnt)  # сравниваем
