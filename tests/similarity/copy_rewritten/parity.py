from sklearn.linear_model import LogisticRegression
model = LogisticRegression(solver="lbfgs")

model.fit(X_train, new_y_train)
parity_acc_original = np.mean(model.predict(X_test) == new_y_test)

model.fit(train_hidden_representations, new_y_train)
parity_acc_learnt = np.mean(model.predict(test_hidden_representations) == new_y_test)
print(parity_acc_original, parity_acc_learnt)
