//! The service center (服务中心): catalogue, orders, ratings.
