from sklearn.linear_model import LogisticRegression
clf = LogisticRegression(solver="lbfgs")

clf.fit(X_train, new_y_train)
parity_acc_original = np.mean(clf.predict(X_test) == new_y_test)

clf.fit(train_hidden_representations, new_y_train)
parity_acc_learnt = np.mean(clf.predict(test_hidden_representations) == new_y_test)
print(parity_acc_original, parity_acc_learnt)
