from sklearn.linear_model import LogisticRegression
lr = LogisticRegression(solver="lbfgs")
# parity_acc_original = <ваш код>
# parity_acc_learnt = <ваш код>
from sklearn.metrics import accuracy_score
clf_orig = LogisticRegression(max_iter=1000).fit(X_train, new_y_train)
clf_learnt = LogisticRegression(max_iter=1000).fit(train_hidden_representations, new_y_train)
parity_acc_original = accuracy_score(new_y_test, clf_orig.predict(X_test))
parity_acc_learnt = accuracy_score(new_y_test, clf_learnt.predict(test_hidden_representations))
print(f"Исходные представления: {parity_acc_original:.4f}")
print(f"Выученные представления: {parity_acc_learnt:.4f}")
