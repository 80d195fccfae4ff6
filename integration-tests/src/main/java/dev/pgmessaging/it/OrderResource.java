package dev.pgmessaging.it;

import java.net.URI;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import io.quarkus.panache.common.Sort;

@Path("/orders")
public class OrderResource {

    @Inject
    OrderService orders;

    @POST
    public Response place(OrderRequest request) {
        if (request == null || request.product() == null || request.product().isBlank() || request.quantity() < 1) {
            return Response.status(Response.Status.BAD_REQUEST)
                    .entity("{\"error\":\"product and a positive quantity are required\"}").build();
        }
        PurchaseOrder order = orders.place(request);
        return Response.created(URI.create("/orders/" + order.id)).entity(order).build();
    }

    @GET
    public List<PurchaseOrder> list() {
        return PurchaseOrder.listAll(Sort.descending("id"));
    }

    @GET
    @Path("/{id}")
    public PurchaseOrder get(@PathParam("id") long id) {
        PurchaseOrder order = PurchaseOrder.findById(id);
        if (order == null) {
            throw new NotFoundException();
        }
        return order;
    }
}
