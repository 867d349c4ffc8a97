from sklearn.linear_model import LogisticRegression
lr = LogisticRegression(solver="lbfgs")

parity_acc_original = lr.fit(X_train, new_y_train).score(X_test, new_y_test)
# ошибка копирования: снова исходные пиксели вместо выученных представлений
parity_acc_learnt = lr.fit(X_train, new_y_train).score(X_test, new_y_test)
